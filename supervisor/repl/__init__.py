"""The interactive console: ``baton repl``. ``Repl(config).main()`` runs a session."""

from supervisor.repl.session import Repl

__all__ = ["Repl"]

"""``python -m supervisor``: the ``baton`` command."""

from supervisor.cli.app import main

main()

"""``python -m bot.cli`` runs the ``coach`` command."""

from bot.cli.app import main

main()

from gitml.cli import console

raise SystemExit(console())

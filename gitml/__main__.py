from gitml.cli import main

raise SystemExit(main())

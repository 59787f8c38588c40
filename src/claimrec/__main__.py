from claimrec.cli import main

raise SystemExit(main())

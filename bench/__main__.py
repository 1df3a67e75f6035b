"""``python -m bench``: run the benchmarks (all, or the ones named)."""

from bench.run import main

raise SystemExit(main())

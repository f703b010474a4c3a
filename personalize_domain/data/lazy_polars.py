"""polars, loaded on first use: a synth whose data reports all come from the cache never needs it.

Importing polars costs about 0.35 s (`python -X importtime`), a few per cent of every synth. The
modules that compile or run the rules (`rule_set`, `columns`, `validator`) are imported by every
synth, but use polars only inside functions, so they take the module from here:

    if TYPE_CHECKING:
        import polars as pl
    else:
        from personalize_domain.data.lazy_polars import pl

`importlib.util.LazyLoader` is the standard library's lazy import: the module object exists at
once, and its code runs on the first attribute access.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def _lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"{name} is not installed: pip install -r requirements.txt")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


pl = _lazy("polars")

"""Case-file exchange (liên thông) between units: signed, self-describing ZIP packages that carry
a case, its documents and its digitised files (docs/exchange.md)."""

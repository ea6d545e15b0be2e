"""Services: one module per capability. Plain values and the acting user in; models or view objects out.
They own the transaction and never touch HTTP."""

"""People import from HR lists (CSV, XLSX) and the API's HR sync: one validation, one writer."""

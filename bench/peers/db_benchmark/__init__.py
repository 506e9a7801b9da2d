"""The db-benchmark comparison's parts: tables, questions, engines and answer checks."""

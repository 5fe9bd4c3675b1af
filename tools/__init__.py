"""Developer tools run from the repository root with ``python -m tools.<name>`` (e.g. ``gen_errors_doc``)."""

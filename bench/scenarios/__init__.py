"""One module per scenario of issue 9; each exposes ``async def run(bench: Bench)``."""

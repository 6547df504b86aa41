from broll.cli import run

run()

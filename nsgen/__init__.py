"""nsgen: compile small network-namespace lab files into reviewable bash scripts."""

__version__ = "0.2.0"

"""The shipped policy files: data reviewed like code, installed with the wheel and copied into each instance."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent

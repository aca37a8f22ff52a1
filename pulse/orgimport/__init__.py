"""Importing the organisation from HR's CSV file (README, "Importing the organisation").

`parse.read_rows` reads and validates the file (pure), `planning.make_plan` compares it with the
database and says what would change, `apply.apply_plan` makes exactly those changes. The
`import-org` command (`cli.py`) and the administration area's upload both use these three.
"""

from pulse.orgimport.apply import apply_plan
from pulse.orgimport.parse import ImportRefused, Problem, Row, read_rows
from pulse.orgimport.planning import ImportPlan, make_plan

__all__ = ["ImportPlan", "ImportRefused", "Problem", "Row", "apply_plan", "make_plan", "read_rows"]

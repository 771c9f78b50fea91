"""The record shapes as the value types of a start-up path see them at run time.

typing evaluates the field annotations of a ``NamedTuple`` when its class is made, and
compiles each one that is a string (every annotation, under ``from __future__ import
annotations``): the first ``compile()`` of a process costs about 3 ms, each later one a
little. So the modules whose NamedTuples one ``git ml run`` makes spell annotations as
objects, and name the shapes of ``records.shapes`` from here. mypy sees the shapes
themselves; at run time a shape is the plain ``dict`` a ``TypedDict`` makes, a
``Literal`` its ``str``, and ``records.shapes`` (tens of typing generics, about as costly
to import as those compiles) is not loaded.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitml.records.shapes import CodeTable as CodeTable
    from gitml.records.shapes import DeclaredTable as DeclaredTable
    from gitml.records.shapes import EnvTable as EnvTable
    from gitml.records.shapes import JsonObject as JsonObject
    from gitml.records.shapes import LeftOutTable as LeftOutTable
    from gitml.records.shapes import MediaTable as MediaTable
    from gitml.records.shapes import MetricStatsTable as MetricStatsTable
    from gitml.records.shapes import Params as Params
    from gitml.records.shapes import PersonTable as PersonTable
    from gitml.records.shapes import PipelineTable as PipelineTable
    from gitml.records.shapes import PythonFrom as PythonFrom
    from gitml.records.shapes import RerunTable as RerunTable
    from gitml.records.shapes import RunRecord as RunRecord
    from gitml.records.shapes import StageTable as StageTable
    from gitml.records.shapes import StudyTable as StudyTable
else:
    CodeTable = DeclaredTable = EnvTable = JsonObject = LeftOutTable = MediaTable = dict
    MetricStatsTable = Params = PersonTable = PipelineTable = RerunTable = RunRecord = dict
    StageTable = StudyTable = dict
    PythonFrom = str

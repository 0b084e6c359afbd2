"""The plugin is tested with ``pytester``: each test writes a small user suite and runs pytest on it.

In-process runs (``pytester.runpytest``) forget the modules they imported afterwards; extension modules
(numpy) cannot be loaded twice, so everything the user suites import is imported here first.
"""

import boto3  # noqa: F401
import elasticsearch  # noqa: F401
import numpy  # noqa: F401
import openai  # noqa: F401
import requests  # noqa: F401

import mocks.azure  # noqa: F401
import mocks.bedrock  # noqa: F401
import mocks.openai  # noqa: F401
import mocks.reference.server  # noqa: F401

pytest_plugins = ["pytester"]

"""Packaging beyond what pyproject.toml can say: the sample portal as package data.

``samples/`` stays where it is in the checkout and is installed as the ``newsportal.samples``
package (``newsportal/samples/portal/...``), so an installed project, a wheel or a Scrapyd egg built
by ``scrapyd-deploy`` (which runs this file), crawls the sample portal offline (newsportal.offline).
Everything else (metadata, dependencies, the Scrapy settings entry point) is in pyproject.toml.
"""

from setuptools import find_namespace_packages, find_packages, setup

# every folder of samples/ is a package of data files, so setuptools installs it whole
SAMPLES = [
    "newsportal.samples",
    *(f"newsportal.samples.{p}" for p in find_namespace_packages(where="samples")),
]

setup(
    packages=[*find_packages(include=["newsportal", "newsportal.*"]), *SAMPLES],
    package_dir={"newsportal.samples": "samples"},
    package_data={package: ["*"] for package in SAMPLES},
)

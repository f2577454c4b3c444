from setuptools import Extension, setup

setup(ext_modules=[Extension("fastmath._core", ["src/fastmath/_core.c"])])

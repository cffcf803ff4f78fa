#!/usr/bin/env bash
# The venv for checkov (.venv-checkov) from requirements-checkov.txt: a venv
# of its own because checkov pins boto3 exactly, which no version of
# moto/MiniStack in requirements-dev.txt accepts.
exec bash "$(dirname "$0")/venv.sh" .venv-checkov requirements-checkov.txt checkov

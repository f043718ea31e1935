# The README's two commands:
#   make demo   set up .venv and run the crawl pipeline on the bundled sample crawl
#   make test   set up .venv (with test extras and system packages) and run the whole suite
.PHONY: demo test setup setup-test
PYTEST_ARGS ?=

setup:
	./scripts/setup.sh

setup-test:
	EXTRAS=dev,megatron,train,llm ./scripts/setup.sh
	./scripts/system_deps.sh

demo: setup
	.venv/bin/python -m pipelines.run configs/crawl.yaml

test: setup-test
	.venv/bin/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

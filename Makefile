.PHONY: setup demo test
setup:
	scripts/setup
demo: setup
	.venv/bin/predhub demo
test: setup
	scripts/test

# lutnn-hdl: the same verbs as npm scripts. `make test` installs what it needs first.
.PHONY: setup gen-rtl sim test bench lint clean

setup:
	bash scripts/setup.sh

gen-rtl: setup
	npm run --silent gen-rtl

sim: gen-rtl
	npx lutnn sim rtl-out/example --vectors 10000 --seed 1

test: setup
	node scripts/test.mjs

bench: setup
	npm run --silent bench

clean:
	rm -rf rtl-out .cache

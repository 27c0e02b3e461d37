# The two commands of README.md: `make demo` and `make test`.
DEMO ?= scenarios/hangzhou-ecommerce.yaml
OUT ?= out/hangzhou

.PHONY: setup demo test check
setup:
	./scripts/setup.sh

demo: setup
	cargo run --release -- plan $(DEMO) --out $(OUT)
	cargo run --release -- validate $(DEMO) $(OUT)/roster.csv

# In the release profile, so the tests reuse the HiGHS that `make demo` built
# (highs-sys compiles HiGHS from source once per profile).
test:
	./scripts/setup.sh --test
	cargo test --release

check: setup
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

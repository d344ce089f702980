# tcplab — the Stevens TCP lab as a harness: build, test, scenarios, grading.
# Knobs (override on the command line: make CC=clang CFLAGS='-O0 -g').
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Isrc $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -MMD -MP
LDFLAGS ?=
BIN = bin
OBJ = build
SLEEP ?= 10

# Each product in src/ describes its programs and unit tests in src/*/*.mk
# (object paths are relative to src/: observe/decode.o is src/observe/decode.c):
#   PROGS += name      name_OBJS = dir/a.o dir/b.o      name_LIBS = -lpcap
#   TOOLS += name      (built into bin/ like PROGS, but not installed:
#                       helpers for tests, fixtures and benchmarks)
#   UNITS += test_x    test_x_OBJS = tests/test_x.o x.o
PROGS =
TOOLS =
UNITS =
include $(wildcard src/*/*.mk)

BINS      = $(addprefix $(BIN)/,$(PROGS) $(TOOLS))
UNIT_BINS = $(addprefix $(OBJ)/tests/,$(UNITS))

all: deps $(BINS)

define link_rule
$(2)/$(1): $$(addprefix $(OBJ)/,$$($(1)_OBJS))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(LDLIBS)
endef
$(foreach p,$(PROGS) $(TOOLS),$(eval $(call link_rule,$(p),$(BIN))))
$(foreach u,$(UNITS),$(eval $(call link_rule,$(u),$(OBJ)/tests)))

$(OBJ)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# Debian packages: installed when root, else the apt-get line is printed.
deps: $(OBJ)/.deps-ok
$(OBJ)/.deps-ok: src/deps.sh
	@sh src/deps.sh build test
	@mkdir -p $(OBJ) && touch $@

test: all $(UNIT_BINS)
	@bash bats/run.sh

# The tests on a sanitizer build; cleaned before and after, so the next
# plain `make` does not keep sanitized binaries in bin/.
asan:
	$(MAKE) clean
	TCPLAB_SANITIZED=1 SC_STUDENT_AS=unlimited $(MAKE) \
	        CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer' \
	        LDFLAGS='-fsanitize=address,undefined' test; \
	rc=$$?; $(MAKE) clean; exit $$rc

bench: all
	@sh src/deps.sh bench
	@bash scenarios/bench.sh

# The lab's scenarios; with a student's own programs (run as nobody when root):
#   make scenario-sequential SERVER='./servidor {port}'
#   make scenario-active-close SERVER='./servidor {port}' CLIENT='./cliente {host} {port}'
# (SERVER and CLIENT reach scenarios/run.sh through the environment.)
scenario-sequential scenario-concurrent scenario-active-close: all
	@SLEEP=$(SLEEP) bash scenarios/run.sh $(@:scenario-%=%)

scenarios: all
	@SLEEP=$(SLEEP) bash scenarios/run.sh sequential concurrent active-close

grade: all
	@bash scenarios/grade.sh $(if $(OUT),--out '$(OUT)') $(if $(HOLD_MAX),--hold-max '$(HOLD_MAX)') \
	  $(if $(CLIENT),--client '$(CLIENT)') --server '$(SERVER)'

grade-all: all
	@bash scenarios/grade-all.sh $(if $(OUT),--out '$(OUT)') $(if $(HOLD_MAX),--hold-max '$(HOLD_MAX)') \
	  $(if $(JOBS),-j '$(JOBS)') '$(SUBMISSIONS)'

# --- pages (HTML reports) ---------------------------------------------------
# bin/tcppage carries its template: embed turns page.html, page.css, page*.js into C.
PAGE_TMPL = src/page/page.html src/page/page.css src/page/page-base.js \
            src/page/page-draw.js src/page/page.js
$(OBJ)/page/embed: src/page/embed.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<
$(OBJ)/page/page_tmpl.c: $(OBJ)/page/embed $(PAGE_TMPL)
	$(OBJ)/page/embed $(PAGE_TMPL) > $@.tmp && mv $@.tmp $@
$(OBJ)/page/page_tmpl.o: $(OBJ)/page/page_tmpl.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The pictures docs/page.md shows (Chromium headless; only this target writes them).
screenshots: all
	@bash src/page/screenshots.sh docs/img
.PHONY: screenshots

# --- exercises -----------------------------------------------------------------
# One student's lab run + worksheet + key; a class from a roster (one id a
# line, JOBS at once); grading answers.txt into Gradescope results.json.
SEED ?= tcplab
JOBS ?= 2
exercise: all
	@bash scenarios/exercise/exercise.sh --student '$(STUDENT)' --seed '$(SEED)' \
	  $(if $(OUT),--out '$(OUT)') $(if $(KEYS),--keys '$(KEYS)') $(if $(FORCE),--force)

exercises: all
	@bash scenarios/exercise/exercises.sh --seed '$(SEED)' -j '$(JOBS)' \
	  $(if $(OUT),--out '$(OUT)') $(if $(FORCE),--force) '$(STUDENTS)'

grade-answers:
	@bash scenarios/exercise/grade-answers.sh --key '$(KEY)' --answers '$(ANSWERS)' \
	  $(if $(OUT),--out '$(OUT)')

grade-answers-all:
	@bash scenarios/exercise/grade-answers-all.sh $(if $(OUT),--out '$(OUT)') \
	  --keys '$(KEYS)' '$(ANSWERS)'

.PHONY: exercise exercises grade-answers grade-answers-all


# --- grading platforms (Gradescope bundle) ----------------------------------------
# autograder.zip for Gradescope (docs/instructors.md, "Gradescope").
.PHONY: gradescope
gradescope:
	@bash scenarios/gradescope/bundle.sh $(or $(ZIP),autograder.zip)

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin
	cp $(addprefix $(BIN)/,$(PROGS)) $(DESTDIR)$(PREFIX)/bin/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(PROGS))

clean:
	rm -rf $(BIN) $(OBJ)

.PHONY: all deps test asan bench scenarios scenario-sequential \
        scenario-concurrent scenario-active-close grade grade-all \
        install uninstall clean

/* cli/main.c - entry point: dispatches subcommands, prints --help/--version. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: leakgate <command> [options]\n"
    "\n"
    "Catch memory leaks before merge: run a service in a memory-limited cgroup,\n"
    "drive it with a YAML load scenario, sample its memory from outside, fit a\n"
    "growth model per completed request, compare with main's baseline, and fail\n"
    "the build on a leak regression.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml...      run scenarios and judge them (see run --help)\n"
    "  analyze SAMPLES.csv       judge any memory series CSV\n"
    "  validate SCENARIO.yaml... check scenarios without running them\n"
    "  compare RESULT.json --baseline BASELINE.json\n"
    "                            judge a saved result against a baseline\n"
    "  baseline update RESULT.json... --into BASELINE.json\n"
    "                            create or append to a baseline file\n"
    "  merge RESULT.json...      combine results (shards) into one JSON/JUnit\n"
    "  report RESULT.json...     re-render saved results in any format\n"
    "  doctor                    check this machine can run scenarios\n"
    "  --version                 print the version\n"
    "  --help                    print this help\n"
    "\n"
    "Run 'leakgate <command> --help' for a command's options.\n"
    "\n"
    "exit codes (every command):\n"
    "  0  pass: no leak, no regression, every check held\n"
    "  1  fail: leak, regression, OOM kill, crash, or a Memcheck budget exceeded\n"
    "  2  usage or input error (the message names file:line:column)\n"
    "  3  inconclusive: too short or too noisy to decide (the message says how\n"
    "     many requests would decide); analysis.on_inconclusive: pass makes it 0\n"
    "  4  infrastructure error: service would not start, no cgroup access,\n"
    "     Valgrind missing, sampler failure\n"
    "\n"
    "Docs: docs/ in the source tree (scenario.md, analysis.md, result.md).\n";

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"run", cmd_run},         {"analyze", cmd_analyze},
              {"validate", cmd_validate}, {"compare", cmd_compare},
              {"baseline", cmd_baseline}, {"merge", cmd_merge},
              {"report", cmd_report},     {"doctor", cmd_doctor}};
  size_t i;

  cli_catch_xfsz();
  opterr = 0; /* cli_bad_option says what was wrong, in fewer words */
  if (argc < 2) {
    fputs(usage_text, stderr);
    return LG_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    if (argc > 2 && strcmp(argv[1], "help") == 0) {
      char *sub[] = {argv[2], "--help", NULL};
      for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[2], cmds[i].name) == 0)
          return cmds[i].fn(2, sub);
    }
    fputs(usage_text, stdout);
    return LG_EXIT_PASS;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("leakgate %s\n", lg_version());
    return LG_EXIT_PASS;
  }
  for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(argv[1], cmds[i].name) == 0)
      return cmds[i].fn(argc - 1, argv + 1);
  {
    /* "--verison": the options of no command; else a command's name */
    static const char *const opts[] = {"--version", "--help"};
    const char *names[sizeof cmds / sizeof cmds[0]], *near;
    bool option = argv[1][0] == '-';
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
      names[i] = cmds[i].name;
    near = option ? lg_suggest(argv[1], strlen(argv[1]), opts, 2)
                  : lg_suggest(argv[1], strlen(argv[1]), names, i);
    fprintf(stderr, "leakgate: unknown %s '%s'", option ? "option" : "command",
            argv[1]);
    if (near)
      fprintf(stderr, " (did you mean %s?)", near);
    fputs("\nusage: leakgate <command> [options]\n'leakgate --help' lists "
          "the commands\n",
          stderr);
  }
  return LG_EXIT_USAGE;
}

/* run/provenance.h - the host and the commit a run is about (provenance.c),
 * for result.json's "host" and "commit". Internal to libleakgate. */
#ifndef LG_RUN_PROVENANCE_H
#define LG_RUN_PROVENANCE_H

/* The commit under test: a CI variable (LEAKGATE_COMMIT, GITHUB_SHA,
 * CI_COMMIT_SHA, BUILDKITE_COMMIT, GIT_COMMIT), else HEAD of the git
 * repository holding dir, read from its files; NULL when unknown. The
 * caller frees it. */
char *lg__run_commit(const char *dir);

/* This machine's host name; NULL when unknown. The caller frees it. */
char *lg__run_host(void);

#endif

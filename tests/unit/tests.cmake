# One line per unit test: the modules it links (data-flow order).
lg_unit_test(units    MODULES core)
lg_unit_test(core     MODULES core)
lg_unit_test(regex    MODULES core)
lg_unit_test(template MODULES core scenario)
lg_unit_test(container MODULES core container TIMEOUT 120 LABELS root)
add_dependencies(test_container oom_hog forker)
lg_unit_test(csv_writer MODULES core series)
lg_unit_test(result   MODULES core result LIBS PkgConfig::JANSSON)
lg_unit_test(result_schema MODULES core result LIBS PkgConfig::JANSSON)
lg_unit_test(scenario MODULES core scenario)
lg_unit_test(load_http MODULES core scenario load TIMEOUT 120)
add_dependencies(test_load_http clean_http)
lg_unit_test(service MODULES core scenario container service TIMEOUT 180)
add_dependencies(test_service clean_http term_ignorer hang_on_stop crasher flooder early_exit)
lg_unit_test(valgrind MODULES core result valgrind LIBS PkgConfig::JANSSON PkgConfig::EXPAT)
lg_unit_test(massif MODULES core result valgrind LIBS PkgConfig::JANSSON PkgConfig::EXPAT)
# Growth analysis (issue 4): reader, statistics, pipeline, accuracy corpus.
add_executable(gen_curves ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_curves.c)
target_link_libraries(gen_curves PRIVATE m)
set_target_properties(gen_curves PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
lg_unit_test(series_reader MODULES core series)
lg_unit_test(valgrind_live MODULES core result valgrind LIBS PkgConfig::JANSSON PkgConfig::EXPAT TIMEOUT 400 LABELS valgrind)
add_dependencies(test_valgrind_live leaky_http clean_http)
lg_unit_test(report   MODULES core result reporters LIBS PkgConfig::JANSSON)
target_include_directories(test_report PRIVATE ${PROJECT_SOURCE_DIR}/reporters)
# Golden outputs, one folder per case under tests/data/golden/.
lg_unit_test(golden   MODULES core result reporters LIBS PkgConfig::JANSSON)
lg_unit_test(analysis_stats MODULES core series analysis)
lg_unit_test(analysis MODULES core series analysis)
lg_unit_test(analysis_accuracy MODULES core series analysis TIMEOUT 300 LABELS accuracy)
lg_unit_test(early_stop MODULES core series analysis)
lg_unit_test(load_errors MODULES core scenario load TIMEOUT 120)
add_dependencies(test_load_errors clean_http)
lg_unit_test(load_flow MODULES core scenario load TIMEOUT 120)
add_dependencies(test_load_flow line_echo stdin_lines)
lg_unit_test(load_exec MODULES core scenario load TIMEOUT 120)
lg_unit_test(report_html MODULES core result reporters LIBS PkgConfig::JANSSON TIMEOUT 300 LABELS browser)
lg_unit_test(sampler MODULES core container series sampler TIMEOUT 120)
add_dependencies(test_sampler forker)
# Baseline and regression gate (issue 6).
lg_unit_test(baseline MODULES core series analysis result valgrind baseline LIBS PkgConfig::JANSSON)
lg_unit_test(baseline_compare MODULES core series analysis result valgrind baseline LIBS PkgConfig::JANSSON)
lg_unit_test(backends MODULES core container TIMEOUT 120)
# Live metrics endpoint (issue 19): rendering, negotiation, server; promtool and the OpenMetrics parser.
lg_unit_test(metrics MODULES core series analysis metrics)
# pprof profile.proto read/write (issue 15).
lg_unit_test(pprof MODULES core result pprof LIBS PkgConfig::JANSSON PkgConfig::ZLIB)
lg_unit_test(prom_reader MODULES core series analysis)
# Heap-profile tier (issue 15): streams, symbolisation, fit, snapshots,
# gperftools and pprof inputs; the sampler live on heap_zoo.
lg_unit_test(heapprof MODULES core series analysis result valgrind pprof heapprof
             LIBS PkgConfig::JANSSON PkgConfig::ZLIB PkgConfig::LIBDW PkgConfig::PROTOBUF_C stdc++)
add_dependencies(test_heapprof leaky_http leakgate_heapsampler)
if(TARGET static_http)
  add_dependencies(test_heapprof static_http)
endif()
lg_unit_test(heapsampler MODULES core series analysis result valgrind pprof heapprof
             LIBS PkgConfig::JANSSON PkgConfig::ZLIB PkgConfig::LIBDW PkgConfig::PROTOBUF_C stdc++
             TIMEOUT 180)
add_dependencies(test_heapsampler heap_zoo own_malloc leakgate_heapsampler)
# run/session.c itself (issue 14: run/ had no unit test of its own).
lg_unit_test(session LIBS leakgate TIMEOUT 240 LABELS root)
add_dependencies(test_session clean_http oom_hog forker)
# Managed runtimes (issue 12): GC-log parsers, detection, attribution.
lg_unit_test(gclog MODULES core series analysis result pprof runtime LIBS PkgConfig::JANSSON)
lg_unit_test(runtime_detect MODULES core series analysis result pprof runtime LIBS PkgConfig::JANSSON)
lg_unit_test(runtime_attrib MODULES core series analysis result pprof runtime LIBS PkgConfig::JANSSON)
lg_unit_test(runtime_inject MODULES core series analysis result pprof runtime LIBS PkgConfig::JANSSON)

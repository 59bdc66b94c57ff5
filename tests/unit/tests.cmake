# One line per unit test: the modules it links (data-flow order).
lg_unit_test(units    MODULES core)
lg_unit_test(template MODULES core scenario)
lg_unit_test(container MODULES core container TIMEOUT 120 LABELS root)
add_dependencies(test_container oom_hog forker)
lg_unit_test(csv_writer MODULES core series)
lg_unit_test(result   MODULES core result LIBS PkgConfig::JANSSON)
lg_unit_test(scenario MODULES core scenario)
# Growth analysis (issue 4): reader, statistics, pipeline, accuracy corpus.
add_executable(gen_curves ${CMAKE_CURRENT_SOURCE_DIR}/tools/gen_curves.c)
target_link_libraries(gen_curves PRIVATE m)
set_target_properties(gen_curves PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
lg_unit_test(series_reader MODULES core series)

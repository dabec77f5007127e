# Per-target warnings (never global): third-party headers stay out of -Werror.
function(csbridge_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Woverloaded-virtual -Wimplicit-fallthrough $<$<BOOL:${CSBRIDGE_WERROR}>:-Werror>)
endfunction()

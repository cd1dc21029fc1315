# Writes the default config as a C++ string constant: cmake -DINPUT= -DOUTPUT= -P
file(READ ${INPUT} yaml)
file(WRITE ${OUTPUT}
  "// Generated from config/default.yaml; edit that file instead.\n"
  "#include \"config/config.h\"\n\n"
  "namespace accept4_exporter {\n"
  "const char* const kEmbeddedDefaultConfig = R\"accept4_yaml(${yaml})accept4_yaml\";\n"
  "}  // namespace accept4\n")

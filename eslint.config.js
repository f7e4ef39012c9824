// ESLint for the web UI's ES modules (hookd/ui/static/*.js), run by make lint.
// Only rules that catch bugs: layout is left alone, so no formatter has to agree with it.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    files: ["hookd/ui/static/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      // the page's globals only: the modules run in the browser, never in node
      globals: globals.browser,
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      eqeqeq: ["error", "always"],
      "no-implicit-globals": "error",
      "prefer-const": "error",
    },
  },
];

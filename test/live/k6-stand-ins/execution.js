// Stand-in for k6/execution in tests: the iteration number the test sets.
export default {
  scenario: {
    get iterationInTest() {
      return globalThis.__k6.iteration;
    },
  },
};

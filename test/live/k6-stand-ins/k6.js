// Stand-in for the k6 module in tests.
export const check = () => true;
export const sleep = () => undefined;

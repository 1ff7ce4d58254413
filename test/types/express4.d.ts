// Types for the `express4` alias (express@4), which the conformance suite runs next to Express 5.
declare module 'express4' {
  import express from 'express';
  export default express;
}

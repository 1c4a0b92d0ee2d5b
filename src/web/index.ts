// Public API of src/web/.
export {};

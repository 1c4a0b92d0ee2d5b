// Public API of src/browser/.
export {};

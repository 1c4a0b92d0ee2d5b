// Public API of src/store/.
export {};

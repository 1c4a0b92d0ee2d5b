// Public API of src/line/.
export {};

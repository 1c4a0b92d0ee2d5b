// Public API of src/chat/.
export {};

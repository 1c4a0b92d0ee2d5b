// Public API of src/imchat/.
export {};

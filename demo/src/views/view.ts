/** A piece of the page with the subscriptions it holds; `dispose` lets go of them. */
export interface View {
  element: HTMLElement;
  dispose(): void;
}

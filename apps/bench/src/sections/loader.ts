import type { Figures } from "../results";
import type { SectionContext } from "./context";

export async function measureLoader(_context: SectionContext, figures: Figures): Promise<void> {
  figures.missSection("loader", "API not landed yet");
}

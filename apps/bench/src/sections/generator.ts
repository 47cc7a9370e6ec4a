import type { Figures } from "../results";
import type { SectionContext } from "./context";

export async function measureGenerator(_context: SectionContext, figures: Figures): Promise<void> {
  figures.missSection("generator", "API not landed yet");
}

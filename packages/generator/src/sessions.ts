import {
  CART,
  CHECKOUT,
  CLICK_TARGETS,
  CONTENT_PAGES,
  EVENT_AFTER_PAGE_VIEW,
  LANDING_PAGES,
  type Page,
  PRODUCT_PAGES,
  SEARCH_QUERIES,
  SIGNUP,
  SIGNUP_METHODS,
  SITE,
  SOURCES,
  USER_AGENTS,
} from "./pools";
import { type Random, uuidFor } from "./random";

export type StreamName = "events" | "utm";
export const STREAMS: readonly StreamName[] = ["events", "utm"];

/** One record as the front end would send it: a JSON object and "\n", built as one string. */
export interface OriginalRecord {
  stream: StreamName;
  eventId: string;
  line: string;
}

export interface SessionOptions {
  /** occurred_at falls in [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** Size of the user population sessions are drawn from. */
  users: number;
  /** Salt of the per-user anonymous ids. */
  salt: number;
}

const SCREENS = ['"1920x1080"', '"1440x900"', '"390x844"', '"412x915"', '"1280x800"', '"820x1180"'];

/**
 * Simulates browsing sessions: a UTM touch at the start when the session came from a campaign,
 * then page views with clicks, searches, add-to-carts, and now and then a sign-up or a purchase.
 */
export class SessionSimulator {
  constructor(
    private readonly random: Random,
    private readonly options: SessionOptions,
  ) {}

  /** The records of one session, in the order they happened. */
  *session(): Generator<OriginalRecord> {
    const r = this.random;
    const { startMs, endMs } = this.options;
    const userIndex = r.int(0, this.options.users - 1);
    let userId = r.chance(0.6) ? `"u_${100000 + userIndex}"` : "null";
    const anonymousId = uuidFor(userIndex, this.options.salt);
    const sessionId = r.uuid();
    const agent = USER_AGENTS.pick(r);
    const source = SOURCES.pick(r);
    let t = startMs + Math.floor(r.next() * (endMs - startMs));
    let current: Page =
      source.utm || source.referrer !== "null" ? r.pick(LANDING_PAGES) : (CONTENT_PAGES[0] as Page);
    let referrer = source.referrer;

    const event = (type: string, page: Page, properties: string): OriginalRecord => {
      const eventId = r.uuid();
      return {
        stream: "events",
        eventId,
        line:
          `{"event_id":"${eventId}","event_type":"${type}","occurred_at":"${new Date(t).toISOString()}",` +
          `"user_id":${userId},"anonymous_id":"${anonymousId}","session_id":"${sessionId}",` +
          `"page_url":${page.url},"referrer":${referrer},"user_agent":${agent},"properties":${properties}}\n`,
      };
    };

    if (source.utm) {
      const utm = source.utm;
      const term = r.pick(utm.terms);
      const content = r.pick(utm.contents);
      const separator = current.path.includes("?") ? "&" : "?";
      const contentQuery =
        content === "null" ? "" : `&utm_content=${encodeURIComponent(JSON.parse(content))}`;
      const eventId = r.uuid();
      yield {
        stream: "utm",
        eventId,
        line:
          `{"event_id":"${eventId}","occurred_at":"${new Date(t).toISOString()}","session_id":"${sessionId}",` +
          `"user_id":${userId},"utm_source":${utm.source},"utm_medium":${utm.medium},` +
          `"utm_campaign":${utm.campaign},"utm_term":${term},"utm_content":${content},` +
          `"landing_page":"${SITE}${current.path}${separator}${utm.query}${contentQuery}"}\n`,
      };
    }

    const cart: { sku: string; price: number }[] = [];
    let pageViews = 1;
    while (pageViews < 25 && r.chance(0.75)) pageViews++;
    for (let view = 0; view < pageViews && t < endMs; view++) {
      yield event(
        "page_view",
        current,
        `{"title":${current.title},"load_ms":${r.int(90, 2400)},"screen":${r.pick(SCREENS)}}`,
      );
      t += r.int(2, 40) * 1000;
      if (t >= endMs) return;
      const next = EVENT_AFTER_PAGE_VIEW.pick(r);
      const product = PRODUCT_PAGES.find((p) => p.url === current.url);
      if (next === "add_to_cart" && product) {
        const quantity = r.int(1, 3);
        cart.push({ sku: product.sku, price: product.price * quantity });
        yield event(
          "add_to_cart",
          current,
          `{"sku":${product.sku},"price":${product.price},"quantity":${quantity},"currency":"EUR"}`,
        );
      } else if (next === "search") {
        yield event("search", current, `{"query":${r.pick(SEARCH_QUERIES)},"results":${r.int(0, 48)}}`);
      } else if (next !== "none") {
        const [element, text] = r.pick(CLICK_TARGETS);
        yield event(
          "click",
          current,
          `{"element":${element},"text":${text},"x":${r.int(0, 1400)},"y":${r.int(0, 2200)}}`,
        );
      }
      t += r.int(3, 90) * 1000;
      // Events on a page share its referrer; the next page's referrer is this page.
      referrer = current.url;
      current =
        cart.length > 0 && r.chance(0.25)
          ? CART
          : r.chance(0.5)
            ? r.pick(PRODUCT_PAGES)
            : r.pick(CONTENT_PAGES);
    }
    if (t >= endMs) return;

    if (userId === "null" && r.chance(0.04)) {
      yield event(
        "page_view",
        SIGNUP,
        `{"title":${SIGNUP.title},"load_ms":${r.int(90, 1200)},"screen":${r.pick(SCREENS)}}`,
      );
      t += r.int(20, 120) * 1000;
      if (t >= endMs) return;
      userId = `"u_${900000 + userIndex}"`;
      yield event("sign_up", SIGNUP, `{"method":${r.pick(SIGNUP_METHODS)}}`);
      referrer = SIGNUP.url;
    }
    if (cart.length > 0 && r.chance(0.4)) {
      t += r.int(10, 60) * 1000;
      if (t >= endMs) return;
      yield event(
        "page_view",
        CHECKOUT,
        `{"title":${CHECKOUT.title},"load_ms":${r.int(90, 1800)},"screen":${r.pick(SCREENS)}}`,
      );
      t += r.int(30, 240) * 1000;
      if (t >= endMs) return;
      const revenue = cart.reduce((sum, item) => sum + item.price, 0);
      yield event(
        "purchase",
        CHECKOUT,
        `{"order_id":"${r.uuid()}","revenue":${revenue},"currency":"EUR","items":${cart.length}}`,
      );
    }
  }
}

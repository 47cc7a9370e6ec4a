import { Weighted } from "./random";

/**
 * Everything the events are made of, built once: strings are stored JSON-encoded (quotes and
 * escapes included) so a record is a concatenation, with no per-event JSON.stringify.
 */
const json = (value: string | null) => JSON.stringify(value);

export const SITE = "https://shop.example.com";

export interface Page {
  path: string;
  /** JSON-encoded absolute URL. */
  url: string;
  /** JSON-encoded page title. */
  title: string;
}

const page = (path: string, title: string): Page => ({ path, url: json(SITE + path), title: json(title) });

const PRODUCTS = [
  ["sku-1042", "Trail Runner 3", 129],
  ["sku-2210", "Merino Hoodie", 89],
  ["sku-3307", "Carbon Bottle", 24],
  ["sku-4415", "Rain Shell Pro", 219],
  ["sku-5120", "Daypack 22L", 75],
  ["sku-6001", "Wool Socks (3)", 19],
  ["sku-7734", "Headlamp 400", 39],
  ["sku-8890", "Camp Mug", 14],
] as const;

export const PRODUCT_PAGES = PRODUCTS.map(([sku, name, price]) => ({
  ...page(`/products/${sku}`, name),
  sku: json(sku),
  price,
}));

export const CONTENT_PAGES: Page[] = [
  page("/", "Outdoor gear for every trail"),
  page("/collections/new", "New arrivals"),
  page("/collections/sale", "Sale"),
  page("/blog/layering-guide", "How to layer for the mountains"),
  page("/blog/packing-list-weekend", "A weekend packing list"),
  page("/about", "About us"),
  page("/help/shipping", "Shipping and returns"),
  page("/search?q=rain+jacket", "Search: rain jacket"),
  page("/search?q=socks", "Search: socks"),
];

export const LANDING_PAGES: Page[] = [
  CONTENT_PAGES[0] as Page,
  CONTENT_PAGES[1] as Page,
  CONTENT_PAGES[2] as Page,
  CONTENT_PAGES[3] as Page,
  ...PRODUCT_PAGES.slice(0, 4),
];

export const CART = page("/cart", "Your cart");
export const CHECKOUT = page("/checkout", "Checkout");
export const SIGNUP = page("/account/signup", "Create an account");

export const USER_AGENTS = new Weighted(
  (
    [
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        30,
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        22,
      ],
      [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        14,
      ],
      [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        12,
      ],
      [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        8,
      ],
      ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 5],
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        5,
      ],
      [
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        3,
      ],
      [
        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        1,
      ],
    ] as const
  ).map(([agent, weight]) => [json(agent), weight] as const),
);

/** A traffic source: where a session came from, and its UTM parameters when it is a campaign. */
export interface Source {
  /** JSON-encoded referrer of the landing page view, or `null`. */
  referrer: string;
  utm?: {
    source: string;
    medium: string;
    campaign: string;
    /** JSON-encoded or `null`. */
    terms: string[];
    contents: string[];
    /** Raw query string appended to the landing page URL. */
    query: string;
  };
}

const campaign = (
  referrer: string | null,
  source: string,
  medium: string,
  name: string,
  terms: (string | null)[],
  contents: (string | null)[],
): Source => ({
  referrer: json(referrer),
  utm: {
    source: json(source),
    medium: json(medium),
    campaign: json(name),
    terms: terms.map(json),
    contents: contents.map(json),
    query: `utm_source=${encodeURIComponent(source)}&utm_medium=${encodeURIComponent(medium)}&utm_campaign=${encodeURIComponent(name)}`,
  },
});

/** Session sources, weighted like a small shop's traffic: most sessions are direct or organic. */
export const SOURCES = new Weighted<Source>([
  [{ referrer: "null" }, 24],
  [{ referrer: json("https://www.google.com/") }, 18],
  [{ referrer: json("https://www.bing.com/") }, 2],
  [{ referrer: json("https://duckduckgo.com/") }, 2],
  [{ referrer: json("https://www.reddit.com/r/CampingGear/") }, 2],
  [
    campaign(
      "https://www.google.com/",
      "google",
      "cpc",
      "brand_search",
      ["trailgear shop", "trailgear"],
      [null],
    ),
    12,
  ],
  [
    campaign(
      "https://www.google.com/",
      "google",
      "cpc",
      "generic_rain_jackets",
      ["rain jacket", "waterproof shell", "best rain jacket 2026"],
      ["text_ad_a", "text_ad_b"],
    ),
    8,
  ],
  [campaign("https://www.bing.com/", "bing", "cpc", "brand_search", ["trailgear"], [null]), 2],
  [
    campaign(
      "https://l.facebook.com/",
      "facebook",
      "paid_social",
      "black_friday_2026",
      [null],
      ["carousel", "video_15s", "static_a"],
    ),
    9,
  ],
  [
    campaign(
      "https://l.instagram.com/",
      "instagram",
      "paid_social",
      "black_friday_2026",
      [null],
      ["reel_hiker", "story_sale"],
    ),
    6,
  ],
  [
    campaign(
      "https://www.tiktok.com/",
      "tiktok",
      "paid_social",
      "winter_layers",
      [null],
      ["creator_jo", "creator_sam"],
    ),
    3,
  ],
  [
    campaign(
      null,
      "newsletter",
      "email",
      "weekly_digest_48",
      [null],
      ["hero_button", "product_grid", "footer_link"],
    ),
    7,
  ],
  [campaign(null, "newsletter", "email", "abandoned_cart", [null], ["reminder_1", "reminder_2"]), 2],
  [
    campaign(
      "https://outdoorblog.example.org/",
      "outdoorblog",
      "referral",
      "affiliate_q4",
      [null],
      ["review_post"],
    ),
    2,
  ],
  [campaign("https://t.co/", "twitter", "social", "product_launch", [null], ["thread", null]), 1],
]);

export const EVENT_AFTER_PAGE_VIEW = new Weighted<"click" | "add_to_cart" | "search" | "none">([
  ["none", 40],
  ["click", 45],
  ["search", 5],
  ["add_to_cart", 10],
]);

export const CLICK_TARGETS = [
  ['"nav-link"', '"Shop"'],
  ['"nav-link"', '"Sale"'],
  ['"product-card"', '"View product"'],
  ['"cta-button"', '"Add to cart"'],
  ['"cta-button"', '"Sign up"'],
  ['"filter"', '"Size: M"'],
  ['"image-gallery"', '"Next image"'],
  ['"footer-link"', '"Shipping"'],
] as const;

export const SEARCH_QUERIES = [
  "rain jacket",
  "socks",
  "headlamp",
  "merino",
  "backpack 30l",
  "gift ideas",
].map(json);

export const SIGNUP_METHODS = ['"email"', '"google"', '"apple"'];

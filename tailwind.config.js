// Tailwind configuration of the web client, loaded by frontend/styles.css
// through `@config`. `content` lists where class names are used, so the
// generated CSS holds only those classes.
/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./index.html", "./frontend/src/**/*.rs"],
  theme: {
    extend: {
      colors: {
        // Backgrounds and text: a blue-tinted dark grey. Text shades 500 and
        // lighter keep a contrast of at least 4.5:1 on the 900 and 950 backgrounds.
        ink: {
          50: "#f5f7fb",
          100: "#e8ecf4",
          200: "#cdd4e3",
          300: "#a7b1c7",
          400: "#98a2ba",
          500: "#8590aa",
          600: "#434c64",
          700: "#2f364a",
          800: "#1f2433",
          900: "#141824",
          950: "#0b0f19",
        },
        // The brand colour: buttons, our own messages, focus rings.
        accent: {
          50: "#eef2ff",
          100: "#e0e7ff",
          200: "#c7d2fe",
          300: "#a5b4fc",
          400: "#818cf8",
          500: "#6366f1",
          600: "#4f46e5",
          700: "#4338ca",
          800: "#3730a3",
          900: "#312e81",
        },
        ok: { 400: "#34d399" },
        warn: { 300: "#fcd34d", 400: "#fbbf24" },
        danger: {
          200: "#fecdd3",
          300: "#fda4af",
          400: "#fb7185",
          500: "#f43f5e",
          950: "#4c0519",
        },
      },
      fontFamily: {
        sans: [
          "Inter",
          "ui-sans-serif",
          "system-ui",
          "-apple-system",
          "Segoe UI",
          "Roboto",
          "Helvetica Neue",
          "Arial",
          "sans-serif",
        ],
      },
    },
  },
  plugins: [],
};

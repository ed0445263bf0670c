/** The /manage_tokens stylesheet (served as a file: the CSP allows no inline style). */
export const PAGE_CSS = `
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.25rem}h3{font-size:1.1rem}
section{border:1px solid #8a8a8a;border-radius:6px;padding:1rem;margin:1rem 0}
.field{display:flex;flex-direction:column;margin:0 0 .8rem;max-width:28rem}
label,legend{font-weight:600}
input{padding:.4rem;border:1px solid #595959;border-radius:4px;font:inherit}
fieldset{border:1px solid #8a8a8a;border-radius:4px;margin:0 0 .8rem;padding:.5rem .8rem}
.scope{display:block;font-weight:400}.scope input{margin-right:.4rem}
.hint{font-size:.9rem;color:#4a4a4a}
button{font:inherit;padding:.35rem .9rem;border:1px solid #1f4e8c;border-radius:4px;background:#1f4e8c;color:#fff;cursor:pointer}
button:hover{background:#163a69}
button.secondary,#sign-out,#confirm-cancel,.delete{background:#fff;color:#1f4e8c}
button.danger,.delete{border-color:#a3201b}.delete{color:#a3201b}
button.danger{background:#a3201b;color:#fff}
:focus-visible{outline:3px solid #e07b00;outline-offset:2px}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #c4c4c4;padding:.4rem;text-align:left;vertical-align:top}
#new-token{display:block;font-family:ui-monospace,monospace;background:#fff6d5;border:1px solid #b08900;padding:.5rem;word-break:break-all}
.message{border-radius:4px;padding:.5rem .8rem;margin:.5rem 0}
.message:empty{display:none}
.error{background:#fdecea;border:1px solid #a3201b;color:#7a1712}
.notice{background:#e7f5ea;border:1px solid #2e7d32;color:#1b5e20}
.warning{background:#fff4e5;border:1px solid #b35c00;color:#6b3700}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
dialog{border:1px solid #595959;border-radius:6px;max-width:30rem}
dialog::backdrop{background:rgba(0,0,0,.4)}
.actions{display:flex;gap:.6rem;justify-content:flex-end}
[hidden]{display:none !important}
`;

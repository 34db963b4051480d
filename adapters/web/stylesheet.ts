/**
 * The pages' one stylesheet, served from `/my/assets/herald.css`: the CSP allows styles from this
 * origin only (no inline style, no script). Mobile first: one column that reads at 360 px, wider
 * margins from 40em. Colours meet WCAG AA contrast on white; focus is always visible.
 */
export const STYLESHEET_PATH = '/my/assets/herald.css';

export const STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f1f2f4;color:#172b4d;font:16px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
a{color:#0c5ac9}
a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid #0c66e4;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px 12px}
.skip:focus{left:8px;z-index:1}
header.top{background:#172b4d;color:#fff;padding:12px 16px}
header.top .brand{margin:0 0 8px;font-weight:700;font-size:18px}
header.top nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center}
header.top a{color:#fff;text-decoration:none;border-bottom:2px solid transparent;padding:6px 0;display:inline-block}
header.top a[aria-current="page"]{border-bottom-color:#85b8ff}
header.top form{margin:0}
header.top button{background:transparent;color:#fff;border:1px solid #85b8ff;padding:4px 12px}
main{max-width:44em;margin:0 auto;padding:16px}
h1{font-size:24px;line-height:1.25;margin:8px 0 12px;overflow-wrap:anywhere}
h2{font-size:18px;margin:24px 0 8px}
.card{background:#fff;border:1px solid #dcdfe4;border-radius:6px;padding:16px;margin:0 0 16px}
.card>:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
.badges{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;list-style:none}
.badge{display:inline-block;border-radius:3px;padding:1px 8px;font-size:13px;font-weight:700;background:#dcdfe4;color:#172b4d}
.badge.open{background:#ffe2bd;color:#7f3200}
.badge.resolved{background:#baf3db;color:#164b35}
.badge.SEV1{background:#ae2e24;color:#fff}
.badge.SEV2{background:#a54800;color:#fff}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:4px 16px;margin:12px 0 0}
dl.facts dt{color:#44546f}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
ol.updates{list-style:none;margin:0;padding:0}
ol.updates li{border-left:3px solid #0c66e4;padding:2px 0 2px 12px;margin:0 0 16px}
ol.updates time,.meta{color:#44546f;font-size:14px}
ul.incidents{list-style:none;margin:0;padding:0}
ul.incidents li{background:#fff;border:1px solid #dcdfe4;border-radius:6px;padding:12px 16px;margin:0 0 8px}
ul.incidents a{font-weight:700;font-size:17px;overflow-wrap:anywhere}
ul.incidents li>:last-child{margin-bottom:0}
ul.incidents p{margin:4px 0}
.notice{background:#dcfff1;border:1px solid #1f845a;border-radius:6px;padding:8px 12px}
.error{background:#ffeceb;border:1px solid #c9372c;border-radius:6px;padding:8px 12px}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:700;margin:0 0 8px}
label.choice{display:flex;gap:10px;align-items:center;padding:10px 0;min-height:44px}
label.choice input{width:22px;height:22px;margin:0}
select,input[type=email]{font:inherit;width:100%;max-width:24em;padding:8px;border:1px solid #8590a2;border-radius:4px;background:#fff;color:inherit}
button{font:inherit;font-weight:700;min-height:44px;padding:8px 18px;border:0;border-radius:4px;background:#0c66e4;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0c5ac9;border:1px solid #0c5ac9}
button.danger{background:#ae2e24}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:16px 0 0}
form.inline{display:inline}
@media (min-width:40em){main{padding:24px}header.top{display:flex;justify-content:space-between;align-items:center;padding:12px 24px}header.top .brand{margin:0}h1{font-size:28px}.card{padding:20px 24px}}
`;

// The session first: it takes a `#key=` out of the address bar before the router reads the fragment.
import './session.ts';
import { render } from 'preact';
import { App } from './app.tsx';
import { lang } from './i18n.ts';
import './styles.css';

document.documentElement.lang = lang.value;
render(<App />, document.getElementById('app')!);

// The sign-in form shown when GET /api/v1/session answers 401.

import { signIn } from './api';
import { el } from './hud';

export function signInForm(root: HTMLElement): Promise<void> {
  return new Promise((resolve) => {
    const user = el('input', { name: 'user', autocomplete: 'username', required: '', 'data-testid': 'signin-user' }) as HTMLInputElement;
    const pass = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: '', 'data-testid': 'signin-password' }) as HTMLInputElement;
    const msg = el('div', { class: 'signin-error', role: 'alert' });
    const form = el(
      'form',
      { class: 'signin', 'data-testid': 'signin' },
      el('h1', {}, '登录 Sign in'),
      el('label', {}, '用户 User', user),
      el('label', {}, '密码 Password', pass),
      el('button', { type: 'submit' }, '登录 Sign in'),
      msg,
    ) as HTMLFormElement;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      msg.textContent = '';
      try {
        if (await signIn(user.value, pass.value)) resolve();
        else msg.textContent = '用户名或密码错误 Wrong user or password';
      } catch {
        msg.textContent = '无法连接 Cannot reach the server';
      }
    });
    root.replaceChildren(form);
    user.focus();
  });
}

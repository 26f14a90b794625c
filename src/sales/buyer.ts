import type { NewStudent } from '../clients/ead-api.js';
import { cpfDigits, isValidCpf } from '../domain/cpf.js';
import { PermanentError } from '../domain/errors.js';
import { onlyDigits, type KiwifyOrder } from '../intake/kiwify-payload.js';

/** The buyer as the flows need them, from a Kiwify order. */
export interface Buyer {
  name: string;
  firstName: string;
  email?: string;
  phone?: string;
  cpf: string;
  cnpj: string;
  address: {
    street?: string;
    number?: string;
    complement?: string;
    neighborhood?: string;
    city?: string;
    state?: string;
    zipcode?: string;
  };
}

export function buyerOf(order: KiwifyOrder): Buyer {
  const c: Partial<NonNullable<KiwifyOrder['Customer']>> = order.Customer ?? {};
  const name = c.full_name ?? c.first_name ?? '';
  return {
    name,
    firstName: c.first_name ?? name.split(/\s+/)[0] ?? '',
    email: c.email,
    phone: c.mobile,
    cpf: cpfDigits(c.CPF),
    cnpj: onlyDigits(c.cnpj),
    address: {
      street: c.street,
      number: c.number,
      complement: c.complement,
      neighborhood: c.neighborhood,
      city: c.city,
      state: c.state,
      zipcode: c.zipcode,
    },
  };
}

/**
 * Neutral values for the fields the EAD platform requires but Kiwify does not have
 * (the platform rejects a cadastro with any of them missing).
 */
export const CADASTRO_PLACEHOLDERS = {
  birthDate: '2000-01-01',
  rg: '0',
  country: 'Brasil',
  state: 'SP',
  city: 'Não informada',
  street: 'Não informado',
  neighborhood: 'Não informado',
  complement: '-',
  zipcode: '00000000',
} as const;

/** Every cadastro field, from the buyer or a neutral placeholder. */
export function cadastroForm(buyer: Buyer, phoneDigits: string | undefined, password: string | undefined): NewStudent {
  const p = CADASTRO_PLACEHOLDERS;
  const a = buyer.address;
  const national = phoneDigits?.startsWith('55') ? phoneDigits.slice(2) : (phoneDigits ?? '');
  const uf = a.state && /^[A-Za-z]{2}$/.test(a.state) ? a.state.toUpperCase() : p.state;
  return {
    nome: buyer.name || buyer.firstName || 'Aluno',
    data_nascimento: p.birthDate,
    email: buyer.email ?? '',
    fone: national,
    celular: national,
    doc_cpf: buyer.cpf,
    doc_rg: p.rg,
    pais: p.country,
    uf,
    cidade: a.city ?? p.city,
    endereco: [a.street, a.number].filter(Boolean).join(', ') || p.street,
    complemento: a.complement ?? p.complement,
    bairro: a.neighborhood ?? p.neighborhood,
    cep: onlyDigits(a.zipcode) || p.zipcode,
    senha: password,
  };
}

const MANUAL_STEP = {
  enrol: { cnpj: 'Cadastre o aluno manualmente com o CPF da pessoa.', cpf: 'Confirme o CPF com o aluno e cadastre manualmente.' },
  revoke: { cnpj: 'Remova o acesso manualmente no EAD.', cpf: 'Encontre o aluno no EAD e remova o acesso manualmente.' },
};

/** The buyer's CPF, or a permanent failure: the EAD login is a CPF, so a person must step in. */
export function requireCpf(buyer: Buyer, purpose: keyof typeof MANUAL_STEP): string {
  if (!buyer.cpf && buyer.cnpj) {
    throw new PermanentError(`Compra feita com CNPJ: o login do EAD é um CPF. ${MANUAL_STEP[purpose].cnpj}`, 'cnpj_buyer');
  }
  if (!isValidCpf(buyer.cpf)) {
    throw new PermanentError(`CPF do comprador ausente ou inválido. ${MANUAL_STEP[purpose].cpf}`, 'invalid_cpf');
  }
  return buyer.cpf;
}
